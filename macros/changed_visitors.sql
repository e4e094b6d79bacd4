{#- The visitors whose classified rows were written since this model last
    ran: those of rows with processed_at after the latest
    source_processed_at the model's table holds. An incremental
    visitor-level model recomputes exactly these visitors from all their
    rows (see get_incremental_replace_visitors_sql). A build that wrote
    nothing leaves the mark where it was, so the next one redoes those
    visitors too: recomputing a visitor is idempotent. -#}
{% macro changed_visitors_sql() -%}
    select distinct visitor_id
    from {{ ref('stg_events__classified') }}
    where
        visitor_id is not null
        and processed_at > (
            select coalesce(max(source_processed_at), timestamp '0001-01-01')
            from {{ this }}
        )
{%- endmacro %}


{#- source_processed_at of the rows a visitor-level model writes: the mark
    changed_visitors_sql reads back in the next build. -#}
{% macro source_processed_at() -%}
    (select max(processed_at) from {{ ref('stg_events__classified') }})
{%- endmacro %}
