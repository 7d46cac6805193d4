"""np.einsum in every engine: a multilinear primitive with einsum transposes.

out = einsum(spec, a₀, …, aₖ) is linear in each operand, so its tangent is
Σᵢ einsum(spec, a₀, …, ȧᵢ, …, aₖ) and aᵢ's cotangent is again one einsum: ct
contracted with the other operands onto aᵢ's labels.  Labels only aᵢ carries
(summed in out) come back through a vector of ones, a repeated label (a
diagonal, 'ii->i') through an identity matrix, and a size-1 axis that einsum
broadcast is summed.  `contract(*operands, spec=...)` is the recorded primitive
(the subscripts are an option, not an operand); np.einsum calls it.
"""

from __future__ import annotations

import string
from collections import Counter

import numpy as np

from .dispatch import primitive

MAX_OPERANDS = 64


@primitive
def contract(*operands, spec: str, optimize=False):
    """np.einsum(spec, *operands) (a traced operand's engine differentiates it)."""
    return np.einsum(spec, *operands, optimize=optimize)


contract.__name__ = "einsum"


def einsum(*operands, out=None, optimize=False, **kw):
    """np.einsum with a subscripts string (the sublist form is refused)."""
    if not operands or not isinstance(operands[0], str):
        raise TypeError("np.einsum on traced values takes a subscripts string first "
                        "(np.einsum('ij,jk->ik', a, b)); the sublist form is not supported")
    if len(operands) - 1 > MAX_OPERANDS:
        raise ValueError(f"np.einsum takes at most {MAX_OPERANDS} operands here")
    _check_sizes(operands[0], [np.shape(a) for a in operands[1:]])
    return contract(*operands[1:], spec=operands[0], optimize=optimize)


def _labels(spec, shapes):
    """(each operand's labels, the output's labels, unused letters): '...' spelled out
    in unused letters (right-aligned, as einsum broadcasts), the implicit output (no
    '->') made explicit as NumPy makes it."""
    spec = spec.replace(" ", "")
    ins, arrow, out = spec.partition("->")
    ins = ins.split(",")
    unused = [c for c in string.ascii_letters if c not in spec]
    rank = max((len(shape) - len(sub) + 3 for sub, shape in zip(ins, shapes)
                if "..." in sub), default=0)
    if rank > len(unused):
        raise _too_many_labels()
    dots, unused = unused[:rank], unused[rank:]
    labels = []
    for sub, shape in zip(ins, shapes):
        head, ell, tail = sub.partition("...")
        labels.append(list(head) + (dots[rank - (len(shape) - len(head) - len(tail)):]
                                    if ell else []) + list(tail))
    if arrow:
        head, ell, tail = out.partition("...")
        out = list(head) + (dots if ell else []) + list(tail)
    else:
        counts = Counter(c for sub in ins for c in sub.replace(".", ""))
        out = (dots if "..." in spec else []) + sorted(c for c, n in counts.items() if n == 1)
    return labels, out, unused


def _check_sizes(spec, shapes):
    """ValueError if a label is 0 long on one axis and longer on another: NumPy's einsum
    checks sizes only when none is 0 ('ii->i' of a (0, 4) array read memory it does not
    own: 4 values of garbage, and on object arrays, symbolic's, a segfault)."""
    labels, _, _ = _labels(spec, shapes)
    sizes = {}
    for subs, shape in zip(labels, shapes):
        for c, n in zip(subs, shape):
            sizes.setdefault(c, set()).add(n)
    for c, ns in sizes.items():
        if 0 in ns and max(ns) > 1:
            raise ValueError(f"np.einsum: label '{c}' has sizes {sorted(ns)} on different "
                             "axes; they must be equal")


def _too_many_labels():
    return ValueError("np.einsum: too many labels to differentiate (its transposes need "
                      "letters of their own, and einsum has 52)")


def _fresh(unused):
    if not unused:
        raise _too_many_labels()
    return unused.pop()


def _transpose(i):
    """Operand i's cotangent: ct·(the other operands) on operand i's labels."""
    def transpose(ct, out, *operands, spec, optimize=False):
        shapes = [np.shape(a) for a in operands]
        labels, out_labels, unused = _labels(spec, shapes)
        size = {}
        for sub, shape in zip(labels, shapes):
            for c, n in zip(sub, shape):
                size[c] = max(size.get(c, 1), n)
        subs = [out_labels] + [s for j, s in enumerate(labels) if j != i]
        args = [ct] + [a for j, a in enumerate(operands) if j != i]
        # the labels some operand of the transpose carries at full size (ct: out's shape)
        full = set(out_labels) | {c for j, s in enumerate(labels) if j != i
                                  for c, n in zip(s, shapes[j]) if n == size[c]}
        target, seen = [], set()
        for c, n in zip(labels[i], shapes[i]):
            broadcast = n == 1 and size[c] > 1
            if broadcast or c in seen:
                # broadcast here (summed: a label of its own, size 1), or repeated (the
                # diagonal: an identity joins the new label to the first one)
                d = _fresh(unused)
                subs.append([d] if broadcast else [c, d])
                args.append(np.ones(1) if broadcast else np.eye(n))
                target.append(d)
                if not broadcast:
                    full.add(c)     # (the identity carries it)
            else:
                seen.add(c)
                target.append(c)
        for c, n in zip(labels[i], shapes[i]):
            if c in seen and c not in full:     # no other operand has it at full size
                subs.append([c])
                args.append(np.ones(n))
                full.add(c)
        text = ",".join("".join(s) for s in subs) + "->" + "".join(target)
        return contract(*args, spec=text, optimize=optimize)
    return transpose


TRANSPOSES = tuple(_transpose(i) for i in range(MAX_OPERANDS))
