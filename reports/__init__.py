"""The periodic CCHC report, indicators and the evidence pack, drafted from the plan's state."""
