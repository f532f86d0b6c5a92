"""The database adapter (SQLAlchemy 2 async): the only package that imports sqlalchemy."""
