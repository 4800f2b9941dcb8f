"""Drawing the assessment sample from a bank, as the standard describes: a seeded random sample of
the configured size, stratified so that every label (risk or topic) of the bank is represented.

Allocation: one item per label first (so no risk is left out, even when the sample is small), then
the rest in proportion to each label's share of the bank (largest remainders), capped by what each
label holds. Within a label the draw is a seeded random sample, and the result keeps bank order, so
the same bank, size and seed always give the same sample, item for item.
"""

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Items to draw per label: at least one per non-empty label, the rest proportionally."""
    if total >= sum(sizes.values()):
        return dict(sizes)
    labels = sorted(label for label, size in sizes.items() if size > 0)
    take = {label: 1 if total >= len(labels) else 0 for label in labels}
    remaining = total - sum(take.values())
    pool = sum(sizes[label] - take[label] for label in labels)
    shares = {label: remaining * (sizes[label] - take[label]) / pool for label in labels} if pool else {}
    for label, share in shares.items():
        take[label] += int(share)
    leftover = total - sum(take.values())
    for label in sorted(shares, key=lambda label: (-(shares[label] % 1), label)):
        if leftover == 0:
            break
        if take[label] < sizes[label]:
            take[label] += 1
            leftover -= 1
    return take


def stratified_sample(items: Sequence[T], label: Callable[[T], str], total: int, seed: int) -> list[T]:
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_label[label(item)].append(index)
    take = allocate({key: len(members) for key, members in by_label.items()}, total)
    rng = random.Random(seed)
    chosen: list[int] = []
    for key in sorted(by_label):
        chosen += rng.sample(by_label[key], take.get(key, 0))
    return [items[i] for i in sorted(chosen)]
