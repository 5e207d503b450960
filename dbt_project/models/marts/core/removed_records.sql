-- Records that have left their source: the newest full export of the mapping that loaded them no
-- longer holds them. They stay in the raw layer (with every version) and leave the current marts;
-- this lists them with the load that removed them and where they were last seen.

{%- set extracts = versioned_extracts() %}
{%- set removable = [] %}
{%- for name in extracts %}{% if extracts[name][0] | length == 1 %}{% do removable.append(name) %}{% endif %}{% endfor %}

{%- for name in removable %}
select
    '{{ name }}' as extract,
    cast({{ extracts[name][0][0] }} as {{ dbt.type_string() }}) as record_id,
    _removed_by_load_id as removed_by_load_id,
    _load_id as last_seen_load_id,
    _file_name as last_seen_file,
    _line_number as last_seen_line
from ({{ record_versions(name) }}) as versions
where _version_rank = 1 and _removed_by_load_id is not null
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
