-- Which stages and SLA rules the loaded sources can measure, and which fields carry them: the
-- dashboard and the deck show "not measurable with the loaded sources" for the others.

select measure, measure_kind, measure_name, is_measurable, carried_by
from {{ ref('int_measure_coverage') }}
