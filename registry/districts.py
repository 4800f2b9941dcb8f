"""Guangzhou's eleven districts: the programmes that use this harness are district programmes, so a
submission's district must name one of them exactly once, however the enterprise spelt it."""

DISTRICTS = {
    "Yuexiu": "越秀区",
    "Haizhu": "海珠区",
    "Liwan": "荔湾区",
    "Tianhe": "天河区",
    "Baiyun": "白云区",
    "Huangpu": "黄埔区",
    "Panyu": "番禺区",
    "Huadu": "花都区",
    "Nansha": "南沙区",
    "Conghua": "从化区",
    "Zengcheng": "增城区",
}

_SPELLINGS = {
    spelling: english
    for english, chinese in DISTRICTS.items()
    for spelling in (english.casefold(), f"{english} district".casefold(), chinese, chinese.removesuffix("区"))
}


def canonical_district(name: str) -> str | None:
    """The canonical English name for an English (any case, optional 'District') or Chinese spelling."""
    return _SPELLINGS.get(" ".join(name.split()).casefold())
