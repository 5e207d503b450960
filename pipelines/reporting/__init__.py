"""Figures and wording shared by the dashboard and the monthly review deck."""
