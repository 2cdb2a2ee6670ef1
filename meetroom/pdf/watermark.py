"""The viewer's watermark: their lines and a trace code in a semi-transparent diagonal
pattern over the whole page, plus the trace code small and solid in a corner, so a
photo of any part of a page still says whose copy it was.

It is drawn with Pillow in DejaVu Sans, which covers Vietnamese, both onto rendered
page images and into a transparent image that `stamp` lays over PDF pages."""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"
ANGLE = 33.0
COLOR = (190, 30, 30)
# 25 %: on white paper the pattern is clearly pink, black text over it stays black.
OPACITY = 64
CORNER_TEXT = (40, 40, 40)
CORNER_BACKGROUND = (255, 255, 255)


def apply(image: Image.Image, lines: Sequence[str], trace_code: str) -> Image.Image:
    """Returns `image` (converted to RGB) with the watermark drawn on it."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    mask = _viewer_mask(image.size, tuple(lines), trace_code)
    image.paste(COLOR, (0, 0, *image.size), mask)
    draw_corner_code(image, trace_code)
    return image


@functools.lru_cache(maxsize=8)
def _viewer_mask(size: tuple[int, int], lines: tuple[str, ...], trace_code: str) -> Image.Image:
    # The same for every page of one size shown to one viewer: a page turn of a
    # confidential document costs each viewer ~10 ms less (only ever read, never drawn on).
    return diagonal_mask(size, lines, trace_code)


def overlay(size: tuple[int, int], lines: Sequence[str], trace_code: str) -> Image.Image:
    """The watermark alone on a transparent background (RGBA), to lay over a page."""
    image = Image.new("RGBA", size, (*COLOR, 0))
    image.putalpha(diagonal_mask(size, lines, trace_code))
    draw_corner_code(image, trace_code)
    return image


def diagonal_mask(size: tuple[int, int], lines: Sequence[str], trace_code: str) -> Image.Image:
    """An "L" image: the text block repeated diagonally over `size`, at OPACITY."""
    width, height = size
    font_size = max(10, round(width / 42))
    block = _text_block([*lines, trace_code], font_size)
    tile = block.rotate(ANGLE, resample=Image.Resampling.BICUBIC, expand=True)
    mask = Image.new("L", size, 0)
    # Grid steps along the text's own axes, rows staggered by half a step.
    step_u = block.width + 3 * font_size
    step_v = block.height + 2 * font_size
    radians = math.radians(ANGLE)
    u = (math.cos(radians), -math.sin(radians))
    v = (math.sin(radians), math.cos(radians))
    reach = math.hypot(width, height) / 2
    center = (width / 2, height / 2)
    rows = math.ceil(reach / step_v) + 1
    columns = math.ceil(reach / step_u) + 1
    for j in range(-rows, rows + 1):
        shift = step_u / 2 if j % 2 else 0.0
        for i in range(-columns, columns + 1):
            along = i * step_u + shift
            across = j * step_v
            x = center[0] + along * u[0] + across * v[0] - tile.width / 2
            y = center[1] + along * u[1] + across * v[1] - tile.height / 2
            box = (round(x), round(y), round(x) + tile.width, round(y) + tile.height)
            if box[2] <= 0 or box[3] <= 0 or box[0] >= width or box[1] >= height:
                continue
            # Lighter, not paste: the rotated tiles' empty corners overlap their neighbours.
            mask.paste(ImageChops.lighter(mask.crop(box), tile), box[:2])
    return mask


def draw_corner_code(image: Image.Image, trace_code: str) -> None:
    """The trace code, small and opaque, in the bottom right corner."""
    width, height = image.size
    font = _font(max(9, round(width / 80)))
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = _box(draw.textbbox((0, 0), trace_code, font=font))
    pad = max(2, font.size // 3)
    x = width - (right - left) - 3 * pad
    y = height - (bottom - top) - 3 * pad
    opaque = 255 if image.mode == "RGBA" else None
    fill = CORNER_BACKGROUND if opaque is None else (*CORNER_BACKGROUND, opaque)
    ink = CORNER_TEXT if opaque is None else (*CORNER_TEXT, opaque)
    draw.rectangle(
        (x - pad, y - pad, x + (right - left) + pad, y + (bottom - top) + pad), fill=fill
    )
    draw.text((x - left, y - top), trace_code, font=font, fill=ink)


def _text_block(lines: Sequence[str], font_size: int) -> Image.Image:
    # NFC: DejaVu has the precomposed Vietnamese letters; combining marks may sit badly.
    text = "\n".join(unicodedata.normalize("NFC", line.strip()) for line in lines if line.strip())
    font = _font(font_size)
    spacing = round(font_size * 0.35)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = _box(
        probe.multiline_textbbox((0, 0), text, font=font, spacing=spacing, align="center")
    )
    pad = font_size // 4
    block = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(block).multiline_text(
        (pad - left, pad - top), text, font=font, fill=OPACITY, spacing=spacing, align="center"
    )
    return block


def _box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """Pillow measures text in fractional pixels; images are made of whole ones."""
    return math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3])


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)
