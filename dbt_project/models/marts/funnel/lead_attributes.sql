-- Every lead cycle once, with its value for each analysis dimension ('unknown' when it has none):
-- what the dashboard's filters select on.

select
    lead_id,
    cycle_number,
    {{ dimension_columns() }}
from {{ ref('lead_journey') }}
