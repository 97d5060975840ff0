"""Build configuration beyond pyproject.toml: the optional C accelerators.

``spotstream.book._fastbook`` speeds up the per-level loop of order books and the CRC32 of
their joined level texts, ``spotstream.protocol.coinex._inflate`` the bounded gunzip of CoinEx
frames; both link the system zlib. Both are optional: if one cannot be compiled the package installs and works in
pure Python (set ``SPOTSTREAM_PURE=1`` to use the pure paths even when they are built).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "spotstream.book._fastbook",
            ["src/spotstream/book/_fastbook.c"],
            libraries=["z"],  # crc32
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "spotstream.protocol.coinex._inflate",
            ["src/spotstream/protocol/coinex/_inflate.c"],
            libraries=["z"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
