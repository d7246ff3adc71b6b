"""Šalter: citizen-relations system for local self-governments."""
