"""Export job tables (imported by contacts/models.py so Django finds them)."""
