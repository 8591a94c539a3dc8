"""Django's format module for this site (``FORMAT_MODULE_PATH``): see ``en/formats.py``."""
