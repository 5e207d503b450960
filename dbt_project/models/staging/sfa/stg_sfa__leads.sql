with source as (
    {{ latest_version('sfa_leads') }}
),

renamed as (
    select
        -- ids
        sfa_lead_id,
        ma_lead_id,
        converted_opportunity_id,

        -- person
        email,
        {{ normalize_email('email') }} as email_normalized,
        nullif(trim(concat(coalesce(last_name, ''), ' ', coalesce(first_name, ''))), '') as person_name,
        company_name,
        title,
        phone,

        -- hand-off
        owner,
        status,
        lead_source,

        -- BANT and decision
        bant_budget,
        bant_authority,
        bant_need,
        bant_timeline,
        timeline_months,
        bant_notes,
        disqualification_reason,
        disqualification_detail,

        -- timestamps (UTC)
        created_at,
        notified_at,
        mql_at,
        decided_at,
        modified_at,

        -- lineage and quality
        _flags is not null as is_out_of_order,
        _version_count as version_count,
        _file_name as source_file,
        _line_number as source_line
    from source
)

select * from renamed
