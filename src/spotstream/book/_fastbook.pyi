from collections.abc import Iterable

from spotstream.book.units import PriceLevel

CLMUL: int  # 1: crc_join folds by carry-less multiplication (x86-64 PCLMULQDQ)

def apply_levels(
    keys: list[int],
    qtys: list[int],
    texts: list[bytes],
    levels: Iterable[PriceLevel],
    price_precision: int,
    qty_precision: int,
    sign: int,
    source: int,
    separator: bytes,
    /,
) -> int: ...
def crc_join(first: list[bytes], second: list[bytes], watch: int, separator: bytes, /) -> int: ...
