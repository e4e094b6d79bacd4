{#- The device class of a user agent: tablet, mobile or desktop; unknown when
    blank. Tablets first (an iPad or an Android without "mobile"), then
    phones, then everything else with a user agent. -#}
{% macro device_type(user_agent_expr) -%}
    case
        when {{ is_blank(user_agent_expr) }} then 'unknown'
        when {{ regexp_contains(
            'lower(' ~ user_agent_expr ~ ')', "'ipad|tablet|kindle|silk/|playbook'"
        ) }}
        or (
            lower({{ user_agent_expr }}) like '%android%'
            and lower({{ user_agent_expr }}) not like '%mobile%'
        ) then 'tablet'
        when {{ regexp_contains(
            'lower(' ~ user_agent_expr ~ ')',
            "'mobi|iphone|ipod|android|windows phone|blackberry|opera mini'"
        ) }} then 'mobile'
        else 'desktop'
    end
{%- endmacro %}
