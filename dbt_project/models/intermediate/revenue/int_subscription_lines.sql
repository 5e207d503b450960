-- Subscription lines with their MRR converted into the reporting currency (config.fx_rates).
-- A currency without a rate keeps a null converted MRR and is flagged.

select
    s.subscription_id,
    s.account_id,
    s.opportunity_id,
    s.plan,
    s.subscription_type,
    s.status,
    s.start_date,
    s.end_date,
    s.currency,
    s.mrr,
    cast(s.mrr * r.rate as decimal(18, 2)) as mrr_reporting,
    r.rate is null as has_unknown_currency
from {{ ref('stg_crm__subscriptions') }} as s
left join {{ source('config', 'fx_rates') }} as r on r.currency = s.currency
