"""Every finished epoch, stored compactly and re-derived on demand.

Per epoch only lr, the parameters and E_total are kept (a flat array of
floats: 96 bytes an epoch for the 2-2-2 net with biases); the rest of a row is
recomputed from them by the fast path, which gives the same bits as the trace.
Epochs a student stepped by hand keep their exact row, since they may have had
a value edited halfway through.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

from .program import Program
from .sweep import first_divergence


class History:
    def __init__(self, program: Program):
        self.program = program
        self.stride = len(program.parameters) + 2  # lr, parameters, E_total
        self.data = array("d")
        self.exact_rows: dict[int, list[float]] = {}
        # (first epoch, inputs and targets) whenever the samples were edited
        self.segments: list[tuple[int, dict[str, float]]] = []
        self._losses: array | None = None
        self.revision = 0  # changes whenever the stored epochs do: a cache key for charts
        self._divergence: tuple[int, int | None] = (-1, None)

    def __len__(self) -> int:
        return len(self.data) // self.stride

    @property
    def columns(self) -> list[str]:
        return self.program.columns

    def _note_samples(self, first_epoch: int, samples: dict[str, float]) -> None:
        if not self.segments or self.segments[-1][1] != samples:
            self.segments.append((first_epoch, dict(samples)))

    def append_row(self, row: list[float], samples: dict[str, float]) -> None:
        """A stepped epoch: its full row in the order of `columns`."""
        epoch = len(self) + 1
        self._note_samples(epoch, samples)
        count = len(self.program.parameters)
        self.data.extend(row[: count + 1])
        self.data.append(row[self.columns.index("E_total")])
        self.exact_rows[epoch] = list(row)
        self._changed()

    def extend(self, records: array, samples: dict[str, float]) -> None:
        """Epochs from the fast path, recorded as lr, parameters, E_total."""
        self._note_samples(len(self) + 1, samples)
        self.data.extend(records)
        self._changed()

    def truncate(self, epochs: int) -> None:
        if epochs >= len(self):
            return
        del self.data[epochs * self.stride :]
        for epoch in [e for e in self.exact_rows if e > epochs]:
            del self.exact_rows[epoch]
        while self.segments and self.segments[-1][0] > epochs:
            self.segments.pop()
        self._changed()

    def _changed(self) -> None:
        self._losses = None
        self.revision += 1

    def losses(self) -> array:
        """E_total of every finished epoch, in order."""
        if self._losses is None:
            self._losses = self.data[self.stride - 1 :: self.stride]
        return self._losses

    def start_env(self, epoch: int) -> dict[str, float]:
        """The free symbols at the start of `epoch` (1-based)."""
        base = (epoch - 1) * self.stride
        env = dict(self.segments[bisect_right(self.segments, epoch, key=lambda seg: seg[0]) - 1][1])
        env["lr"] = self.data[base]
        env.update(zip(self.program.parameters, self.data[base + 1 : base + self.stride - 1]))
        return env

    def row(self, epoch: int) -> list[float]:
        """All columns of a finished epoch (1-based)."""
        if not 1 <= epoch <= len(self):
            raise IndexError(f"epoch {epoch} is not in the history (1..{len(self)})")
        if epoch in self.exact_rows:
            return self.exact_rows[epoch]
        _, out = self.program.run(self.start_env(epoch), 1, "row")
        return list(out)

    def first_divergence(self) -> int | None:
        """The first epoch whose E_total is not a finite number, if any (cached: the app asks on every step)."""
        if self._divergence[0] != self.revision:
            self._divergence = (self.revision, first_divergence(self.losses()))
        return self._divergence[1]
