"""Pipelines, stages, deals and the record of every stage change."""
