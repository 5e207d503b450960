with source as (
    {{ latest_version('crm_subscriptions') }}
),

renamed as (
    select
        -- ids
        subscription_id,
        account_id,
        opportunity_id,

        -- strings
        plan,
        subscription_type,
        status,
        upper(coalesce(currency, {{ rule('reporting_currency') }})) as currency,

        -- numerics
        mrr,

        -- dates
        start_date,
        end_date,
        modified_at
    from source
)

select * from renamed
