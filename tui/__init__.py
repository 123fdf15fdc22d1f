"""lectern: an offline terminal reading room for a folder of documents."""

__version__ = "0.1.0"
