"""Exercises of week 1 (rnn basics); filled in by its notebook's issue."""

from seqlab.exercises.core import Exercise

EXERCISES: dict[str, Exercise] = {}
