import sys
import warnings

# Great Expectations imports pyspark when it is installed (the optional Spark engine, which runs in
# dbt's own process). Two of its imports must not happen here: pyspark warns on every import that
# it does not support pandas 3, and importing Spark Connect in a process whose main module has no
# file (a pytest-xdist worker, `python -c`) exits that process, pyspark taking it for a doctest
# run. GX only needs Spark Connect to validate Spark Connect frames, which leadjourney never has.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
for _module in ("pyspark.sql.connect.dataframe", "pyspark.sql.connect.session"):
    sys.modules.setdefault(_module, None)  # importing it raises ImportError, which GX expects
