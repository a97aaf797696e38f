"""``GET /crm-core/v1/plans/me``."""

from fastapi import APIRouter

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.plans import service as plan_service
from crmcore.plans.schemas import MyPlan

_PLAN = ok(MyPlan, "The plan")

router = APIRouter(
    prefix="/plans", tags=["plans"], default_response_class=JsonResponse, route_class=CrmRoute
)


@router.get("/me", name="getMyPlan", responses=_PLAN | error_responses())
def my_plan(ctx: ContextDep) -> JsonResponse:
    """The caller's plan: tier, effective limits, usage and subscription state."""
    return JsonResponse(plan_service.my_plan(ctx))
