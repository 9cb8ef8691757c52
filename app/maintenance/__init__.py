"""Housekeeping: the retention sweep (``service``) and the thread that runs it (``runner``)."""
