"""Adapters between riskmap's plain outputs and Streamlit components."""
