"""claimed-cwl: compile CLAIMED operators into containerised, typed CWL v1.2."""

__all__ = ["__version__"]

__version__ = "0.1.0"
