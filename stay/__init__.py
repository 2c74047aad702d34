"""Stay: self-hosted customer care for online stores."""

__version__ = "0.1.0"
