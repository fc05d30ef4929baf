"""Conformance: non-ASCII names of functions, parameters and locals."""


def größe(länge: int, breite: float = 2.0) -> float:
    fläche = länge * breite
    return fläche


def use(n: int) -> float:
    return größe(n, breite=0.5)
