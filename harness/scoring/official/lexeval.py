"""LexEval, scored as code/evaluation/evaluate.py does with its defaults: generation tasks (5_x) by
ROUGE-L (the `rouge` package on jieba-segmented text after its Chinese normalisation; a pair it
cannot score counts 0), the others by accuracy of the option letters `find_valid_substrings` reads
(text before "解析"/"分析", separators removed, runs of distinct letters A-E, deduplicated) against the
answer. Each task is the mean of its items; the overall figure is the mean over tasks."""

import logging
import re
import string
from collections import OrderedDict

import jieba
from rouge import Rouge

from benchmarks.sector.base import BenchItem
from harness.scoring.official.base import Aggregate, Scored

jieba.setLogLevel(logging.WARNING)

CHAT = True
AGGREGATE: Aggregate = "macro"
_CN_PUNCTUATION = "！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〾〿–—‘’‛“”„‟…‧﹏."
_PUNCTUATION = set(string.punctuation + _CN_PUNCTUATION)


def find_valid_substrings(s: str) -> str:
    s = s.split("解析")[0].split("分析")[0]
    for separator in ("、", ".", ",", ";", "，", "和", ", "):
        s = s.replace(separator, "")
    runs = [r for r in re.findall(r"[ABCDE]{1,5}", s) if len(r) == len(set(r))]
    return "".join(OrderedDict.fromkeys("".join(runs)))


def normalize_zh_answer(s: str) -> str:
    return "".join("".join(ch for ch in s.lower() if ch not in _PUNCTUATION).split())


def score(item: BenchItem, response: str) -> Scored:
    answer = item.reference["answer"]
    if item.subject.startswith("5_"):
        prediction = " ".join(jieba.cut(normalize_zh_answer(response), cut_all=False))
        reference = " ".join(jieba.cut(normalize_zh_answer(answer), cut_all=False))
        try:
            value = Rouge().get_scores([prediction], [reference], avg=True)["rouge-l"]["f"]
        except Exception:  # the release's bare except: an empty side scores 0
            value = 0.0
        return Scored(None, float(value))
    prediction = find_valid_substrings(response)
    return Scored(prediction, float(prediction == answer), abstained=not prediction)
