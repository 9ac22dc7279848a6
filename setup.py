"""Builds idpmap's one compiled module; everything else (metadata, dependencies, entry points) is in setup.cfg.

``gazetteer._keys`` computes the variant tier's keys of plain ASCII names in C. It is optional: where it cannot be
built (no C compiler), the gazetteer computes the same keys in Python, only slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("gazetteer._keys", ["gazetteer/_keys.c"], optional=True)])
