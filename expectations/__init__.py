import warnings

# Great Expectations imports pyspark when it is installed (the optional Spark engine), which warns
# on every import that it does not support pandas 3; leadjourney never hands Spark a pandas frame.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
