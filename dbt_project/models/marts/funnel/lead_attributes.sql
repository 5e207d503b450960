-- Every lead cycle once, with its value for each analysis dimension ('(none)' when it has none, apart from a source's own 'unknown'):
-- what the dashboard's filters select on.

select
    lead_id,
    cycle_number,
    {{ dimension_columns() }}
from {{ ref('lead_journey') }}
