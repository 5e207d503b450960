with source as (
    {{ latest_version('sfa_opportunities') }}
),

renamed as (
    select
        -- ids
        opportunity_id,
        account_id,
        sfa_lead_id,

        -- strings
        opportunity_name,
        account_name,
        contact_email,
        {{ normalize_email('contact_email') }} as contact_email_normalized,
        owner,
        lead_source,
        stage,
        lost_reason,
        upper(coalesce(currency, {{ rule('reporting_currency') }})) as currency,

        -- numerics
        amount,

        -- booleans
        stage = 'closed_won' as is_won,
        stage = 'closed_lost' as is_lost,
        stage in ('closed_won', 'closed_lost') as is_closed,

        -- dates and timestamps (UTC)
        created_at,
        close_date,
        modified_at,

        -- lineage and quality
        _flags is not null as is_out_of_order,
        _version_count as version_count
    from source
)

select * from renamed
