"""Tangerang Satu Data: Satu Data, Satu Peta, PPID and accessibility (Web Disabilitas) on CKAN.

One subpackage per subsystem, each with its own plugin; they meet only through CKAN
(actions, signals, templates). Shared here: the city profile, the CLI group, the translation
catalogue and the WSGI entry point.
"""
