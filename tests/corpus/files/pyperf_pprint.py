# Pyvorin test corpus file (tests/corpus/CREDITS.md). The code below this header is
# unchanged from its source:
#   repository: python/pyperformance (GitHub)
#   path:       pyperformance/data-files/benchmarks/bm_pprint/run_benchmark.py
#   commit:     1d3e21798ebf2420b62c1eded4ce94453ba15151
#   licence:    MIT (pyperformance COPYING; benchmarks of various origins, see each file)
"""Test the performance of pprint.PrettyPrinter.

This benchmark was available as `python -m pprint` until Python 3.12.

Authors: Fred Drake (original), Oleg Iarygin (pyperformance port).
"""

import pyperf
from pprint import PrettyPrinter


printable = [('string', (1, 2), [3, 4], {5: 6, 7: 8})] * 100_000
p = PrettyPrinter()


if __name__ == '__main__':
    runner = pyperf.Runner()
    runner.metadata['description'] = 'pprint benchmark'

    if hasattr(p, '_safe_repr'):
        runner.bench_func('pprint_safe_repr', p._safe_repr,
                          printable, {}, None, 0)
    runner.bench_func('pprint_pformat', p.pformat, printable)
