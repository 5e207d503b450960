-- Opportunities with their lead and cycle and the amount converted into the reporting currency.

select
    o.*,
    cast(o.amount * r.rate as decimal(18, 2)) as amount_reporting,
    r.rate is null as has_unknown_currency
from {{ ref('int_opportunity_cycles') }} as o
left join {{ source('config', 'fx_rates') }} as r on r.currency = o.currency
