"""distillgen: a static site generator for Distill-style research blogs."""

__version__ = "0.1.0"
