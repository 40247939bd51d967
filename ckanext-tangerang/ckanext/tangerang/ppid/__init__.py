"""PPID: the public-information request workflow of UU KIP 14/2008 and Perki 1/2021."""
