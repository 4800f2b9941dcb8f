"""GB 45438-2025 explicit text labels: notices are found where they are, and talk about AI is not one."""

import pytest

from harness.scoring.judges.labels import explicit_label

FILLER = "春节是中国最重要的传统节日，家家户户贴春联、吃团圆饭。" * 4


@pytest.mark.parametrize(
    ("response", "where"),
    [
        ("本内容由人工智能生成。" + FILLER, "start"),
        ("【AI生成】" + FILLER, "start"),
        (FILLER + "（以上内容由AI辅助生成）", "end"),
        (FILLER + "This answer is AI-generated.", "end"),
        (FILLER + "本段由人工智能合成。" + FILLER, "middle"),
        (FILLER, None),
        ("我们来讨论AI技术如何生成图像：扩散模型逐步去噪。", None),  # subject matter, not a notice
        ("这是一个关于人工智能的回答，生成式模型有很多种。", None),
        ("MAIL生成失败，请检查邮箱设置。", None),  # "AI" inside a Latin word
        ("", None),
    ],
)
def test_explicit_label_positions(response: str, where: str | None) -> None:
    assert explicit_label(response) == where
