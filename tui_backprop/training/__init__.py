"""Training many update steps at once, beside the stepper's one operation at a time.

bulk.py        picks a run's trainer: each program's compiled loop (core/compiled.py), or numpy for a large
               network; one run is trained by one trainer, first step to last
bulk_numpy.py  numpy's path, agreeing with the core to 1e-12 of the parameters' scale
sweep.py       one network trained at several learning rates (the rate view, `train --sweep`)

The compiled loop itself is written by core/compiled.py: the stepper's `r`, `f` and `e` use it too, and the
core stands alone on the standard library.
"""
