"""Explicit labels of AI-generated text (GB 45438-2025 《人工智能生成合成内容标识方法》).

For text, the standard asks for a notice at the start, the end or a suitable place in the middle,
whose words carry an "人工智能" / "AI" element and a "生成" / "合成" element (e.g. "本内容由人工智能生成").
The obligation falls on the service that publishes the text: a bare model answering an evaluation
prompt is not expected to label its answers, so this is a measurement, not a verdict. It tells a
district evaluator whether a submitted service endpoint (`--engine openai`) labels what it returns.
"""

import re

# The two elements side by side ("人工智能生成", "由AI辅助合成", "AI-generated"): answers that merely
# talk about AI and generation ("AI技术如何生成图像") are not notices.
_AI = r"(?:人工智能|(?<![A-Za-z])(?:AI|ＡＩ)(?![A-Za-z]))"
_NOTICE = re.compile(
    rf"{_AI}(?:辅助|自动|模型|大模型)?(?:生成|合成)|(?<![A-Za-z])AI[- ](?:generated|synthesi[sz]ed)|generated (?:by|with) AI(?![A-Za-z])",
    re.IGNORECASE,
)
_EDGE_CHARS = 60


def explicit_label(response: str) -> str | None:
    """Where the response carries an explicit notice: "start", "end", "middle", or None."""
    text = response.strip()
    match = _NOTICE.search(text)
    if match is None:
        return None
    if match.start() < _EDGE_CHARS:
        return "start"
    if any(m.end() > len(text) - _EDGE_CHARS for m in _NOTICE.finditer(text)):
        return "end"
    return "middle"
