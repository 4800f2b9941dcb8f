"""The CJK font every chart and report uses: WenQuanYi Micro Hei from the Debian package
fonts-wqy-microhei (requirements/debian.txt).

Why this font: its outlines are TrueType, which Chromium embeds in a PDF as a named, subset CID
font; Noto Sans CJK's are CFF, which Chromium's PDF writer turns into unnamed Type 3 glyph
procedures. Its Mono face (same file) sets digests and commands. It has no bold face, so the CSS
turns synthetic bold off (an emboldened glyph is printed as Type 3 too).

Without it matplotlib would draw Chinese as empty boxes and Chromium would pick whatever font the
machine has, so its absence is an error, not a fallback.
"""

from functools import cache
from pathlib import Path

from matplotlib import font_manager

from foundation.errors import InputError, Problem

CJK_FAMILY = "WenQuanYi Micro Hei"
CJK_MONO_FAMILY = "WenQuanYi Micro Hei Mono"
PDF_FONT_NAME = "WenQuanYiMicroHei"  # the PostScript name the PDF's embedded subsets carry
_FILE_NAME = "wqy-microhei.ttc"
DEBIAN_PACKAGE = "fonts-wqy-microhei"
# The HTML names the same font first; the others only matter where the HTML is opened on a machine
# without it (the PDF always embeds the first).
CSS_FONT_STACK = f'"{CJK_FAMILY}", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
CSS_MONO_STACK = f'"{CJK_MONO_FAMILY}", monospace'


def _known() -> font_manager.FontEntry | None:
    return next((f for f in font_manager.fontManager.ttflist if f.name == CJK_FAMILY), None)


@cache
def cjk_font() -> Path:
    """The font file, registered with matplotlib. matplotlib caches its font list, so a font
    installed after that cache was written is added from the system font directories here."""
    if _known() is None:
        for path in font_manager.findSystemFonts():
            if Path(path).name == _FILE_NAME:
                font_manager.fontManager.addfont(path)
    entry = _known()
    if entry is None:
        raise InputError([Problem(
            DEBIAN_PACKAGE, CJK_FAMILY, "the CJK font that charts and reports are drawn with is not installed (Chinese would render as boxes)",
            f"bash scripts/install-system.sh (it installs the Debian package {DEBIAN_PACKAGE})",
        )])
    return Path(entry.fname)
