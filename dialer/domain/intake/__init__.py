"""Loaned-data intake (貸与データ), the pure part: cell values, column mapping, row validation.

No I/O here: the adapters turn the city's file into rows of strings, these modules decide what
each row means and which rows are bad (with a reason that never repeats personal data), and the
intake service stores the good ones in one transaction.

- ``values``: amounts, dates (ISO, slashes, Japanese eras), fiscal years, names, references.
- ``eras``: the Japanese era table (明治…令和).
- ``mapping``: which header of the file holds which field, per debt type, with a TOML override.
- ``rows``: one data row -> a ``TargetRow`` or its ``RowError`` list.
- ``debt_check``: the rules that detect a file of another debt type.
- ``exclusions``: the city's stop list (納付済, 係争, 死亡, 転居, 停止依頼, その他).
"""
