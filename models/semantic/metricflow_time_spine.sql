{#- MetricFlow's time spine: one row per UTC day from 2000-01-01 through
    2099-12-31 (36,524 rows), generated from a cross join of digits so the
    SQL runs unchanged on DuckDB and Spark. MetricFlow joins metrics to it
    only for cumulative metrics, offsets and filled gaps; the days outside
    the range then have no row. -#}
{{ config(materialized='derived_table', schema='semantic') }}

with

digits as (

    {% for digit in range(10) -%}
    select {{ digit }} as digit
    {%- if not loop.last %}
    union all
    {%- endif %}
    {% endfor %}

),

day_numbers as (

    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_number
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands

),

days as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_number', "cast('2000-01-01' as date)") }}
            as date
        ) as date_day
    from day_numbers

),

final as (

    select date_day
    from days
    where date_day <= cast('2099-12-31' as date)

)

select * from final
