"""Build configuration beyond pyproject.toml: the optional C accelerator.

``spotstream.book._fastbook`` speeds up the per-level loop of order books. It is optional:
if it cannot be compiled the package installs and works in pure Python (set
``SPOTSTREAM_PURE=1`` to use the pure path even when it is built).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "spotstream.book._fastbook",
            ["src/spotstream/book/_fastbook.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
