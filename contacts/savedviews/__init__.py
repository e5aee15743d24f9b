"""Advanced contact search conditions and the named views they are saved as."""
