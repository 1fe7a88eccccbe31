"""Queue tickets on paper: the ESC/POS layout of a ticket and the transports that carry it to a printer."""
