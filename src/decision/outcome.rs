//! How a decision ends: forwarded untouched, or refused (shadow-aware).

use super::*;

pub(super) fn route_name(cfg: &Config, ctx: &Ctx) -> Option<String> {
    ctx.route.map(|i| cfg.routes[i].path.clone())
}

pub(super) fn route_of<'c>(cfg: &'c Config, ctx: &Ctx) -> Option<&'c Route> {
    ctx.route.map(|i| &cfg.routes[i])
}

/// The plan for a request forwarded without a decision of ours (public
/// route, preflight, shadow refusal): as it came, except that Basic
/// credentials meant for the exchange are dropped (contract section 4: the
/// customer's secret never reaches the origin).
pub(super) fn untouched(cfg: &Config, ctx: &Ctx) -> ForwardPlan {
    let mut plan = ForwardPlan::untouched(cfg);
    if ctx.basic {
        plan.remove.push("authorization".to_string());
    }
    plan
}

pub(super) fn pass_through(cfg: &Config, ctx: Ctx, decision: &'static str) -> Outcome {
    let log = LogFields {
        decision,
        route: route_name(cfg, &ctx),
        ..LogFields::default()
    };
    Outcome {
        verdict: Verdict::Forward(untouched(cfg, &ctx)),
        trail: ctx.trail,
        log,
        verified: None,
    }
}

/// A refusal, unless the route is in shadow mode: then it is logged as
/// `shadow_deny` and the request goes on untouched.
pub(super) fn refuse(
    cfg: &Config,
    mut ctx: Ctx,
    err: AuthError,
    issuer: Option<String>,
) -> Outcome {
    let shadow = route_of(cfg, &ctx).is_some_and(|r| r.mode == Mode::Shadow);
    let log = LogFields {
        decision: if shadow { "shadow_deny" } else { "deny" },
        code: Some(err.code()),
        issuer,
        route: route_name(cfg, &ctx),
        ..LogFields::default()
    };
    let verdict = if shadow {
        ctx.trail.pass(
            Stage::Forward,
            format_args!(
                "shadow route: would refuse ({}), forwarded anyway",
                err.code()
            ),
        );
        Verdict::Forward(untouched(cfg, &ctx))
    } else {
        Verdict::Refuse(err)
    };
    Outcome {
        verdict,
        trail: ctx.trail,
        log,
        verified: None,
    }
}
