with source as (
    {{ latest_version('ma_campaigns') }}
),

renamed as (
    select
        -- ids
        campaign_id,

        -- strings
        campaign_name,
        channel,
        upper(coalesce(currency, {{ rule('reporting_currency') }})) as currency,

        -- numerics
        cost,

        -- dates
        started_on,
        ended_on
    from source
)

select * from renamed
