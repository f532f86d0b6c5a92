"""Asterisk's configuration as Jinja templates (`dialer asterisk render` fills them from the
service's TOML). A package only so that an installed copy of the service carries them."""
