"""Exercises of week 1 (language model); filled in by its notebook's issue."""

from seqlab.exercises.core import Exercise

EXERCISES: dict[str, Exercise] = {}
