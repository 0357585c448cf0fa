"""Spreadsheets both ways: check a student's sheet, export a live workbook.

reader.py   CSV and XLSX files into rows of cells, and numbers with their printed precision
columns.py  header spellings mapped to our symbols; a sheet's rows numbered by epoch
check.py    the checker: every wrong cell, where its mistake starts, and its slip (core/slips.py)
check_report.py  what the checker found, told as text or JSON
exercise.py each student's variant of the network, the workbook to fill and the key
grade.py    a folder of students' sheets into a class table and the commonest slips
xlsx.py     the run as a workbook of live formulas
carried.py  the network a workbook carries in a hidden sheet, so `check` on it needs no options

Nothing here imports textual or numpy; openpyxl is imported only when an XLSX
file is read or written.
"""

from .check import REL_TOL, check_sheet
from .check_report import CheckReport, Mismatch, render_text
from .reader import SheetError
from .xlsx import ExportError, export_xlsx

__all__ = ["REL_TOL", "CheckReport", "ExportError", "Mismatch", "SheetError", "check_sheet", "export_xlsx",
           "render_text"]
