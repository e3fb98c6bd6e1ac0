// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Period} from "../types/Period.sol";
import {RequestId} from "../types/RequestId.sol";
import {SlotId} from "../types/SlotId.sol";

/// @title IStorageMarket
/// @notice Storage deals as SLA escrow. A client pays for n slots of erasure-coded data;
/// providers fill the slots with collateral from their stake and prove, period by period,
/// that they still hold the data. Missed proofs are slashed by anyone who marks them; a
/// slot that misses too often is freed and repaired by another provider. Everyone is paid
/// in a call of their own: providers `collect`, clients `withdraw`, and a marker gets its
/// reward at the end of its `markProofAsMissing`. Nothing is pushed to a third party.
interface IStorageMarket {
    /// @notice The market's fixed parameters, set at deployment. Units beside each field.
    struct MarketConfig {
        /// @dev Blocks per proof period, from 4 to 255.
        uint64 periodBlocks;
        /// @dev Blocks after a period's end during which its missed proofs can be marked.
        uint64 markingWindow;
        /// @dev Cells sampled per proof (S).
        uint8 proofSamples;
        /// @dev Bytes per cell: a power of two from 32 to 262144 (it divides a block).
        uint32 cellSize;
        /// @dev Percent of a slot's collateral slashed per missed proof.
        uint8 slashPercentage;
        /// @dev Percent of each slash paid to whoever marked the miss.
        uint8 validatorRewardPercentage;
        /// @dev Missed proofs after which a slot is freed.
        uint8 maxMissedProofs;
        /// @dev Percent off the collateral for a provider that repairs a freed slot.
        uint8 repairRewardPercentage;
        /// @dev Longest request duration, in seconds.
        uint64 maxDuration;
        /// @dev Most slots (n) per request.
        uint8 maxSlots;
        /// @dev Smallest slot, in bytes; a multiple of the 256 KiB block.
        uint64 minSlotSize;
        /// @dev Largest slot, in bytes; a multiple of the 256 KiB block.
        uint64 maxSlotSize;
    }

    /// @notice What a client asks for. The escrow sent with it must be exactly
    /// `slotRoots.length * slotSize * pricePerBytePerSecond * duration` wei.
    struct Request {
        /// @dev Chosen by the client; with the client's address it makes the request id.
        bytes32 nonce;
        /// @dev CID of the dataset manifest (data.md).
        bytes cid;
        /// @dev Merkle root of each slot's cell tree; n = its length.
        bytes32[] slotRoots;
        /// @dev Designated provider per slot, `address(0)` for open; or empty, all open.
        address[] providers;
        /// @dev Bytes per slot; a multiple of the 256 KiB block.
        uint64 slotSize;
        /// @dev Slots that hold data (k); n - k slots may be lost.
        uint8 dataSlots;
        /// @dev Seconds from the request until its end.
        uint64 duration;
        /// @dev Wei per byte per second paid to each slot's provider.
        uint128 pricePerBytePerSecond;
        /// @dev Wei per byte of slot that a provider locks as collateral.
        uint128 collateralPerByte;
        /// @dev A slot must prove in a period with probability 1 / proofProbability.
        uint16 proofProbability;
        /// @dev Unix time by which every slot must be filled, before the request's end.
        uint64 expiry;
    }

    /// @notice One slot's proof for one period (layout in docs/contracts.md).
    struct Proof {
        /// @dev The period whose seed chose the samples: the current one.
        Period period;
        /// @dev The S sampled cells, concatenated: S * cellSize bytes.
        bytes cells;
        /// @dev The S Merkle paths, sample-major, leaf level first: S * depth hashes.
        bytes32[] siblings;
    }

    /// @notice A proof and the slot it is for, as batched in `submitProofs`.
    struct SlotProof {
        SlotId slotId;
        Proof proof;
    }

    /// @notice A request's lifecycle; see the diagram in StorageMarket.sol.
    enum RequestState {
        /// @dev No request has this id.
        None,
        /// @dev Waiting for its slots to be filled, until `expiry`.
        New,
        /// @dev Every slot was filled; proofs are due until `endsAt`.
        Started,
        /// @dev `endsAt` passed while started: providers collect, the client withdraws.
        Finished,
        /// @dev More than n - k slots were free at once: it ended early.
        Failed,
        /// @dev `expiry` passed before every slot was filled: everything goes back.
        Cancelled
    }

    /// @notice A slot's lifecycle; see the diagram in StorageMarket.sol.
    enum SlotState {
        /// @dev Never filled.
        Free,
        /// @dev Held by `host`, who owes proofs while the request runs.
        Filled,
        /// @dev Its host was freed while the request ran; any provider may repair it.
        Repair,
        /// @dev Its host collected its payment and collateral.
        Collected
    }

    /// @notice A request's record. `state` is the current one, even where the contract has
    /// not yet written a transition that time alone caused (expiry, end).
    struct RequestInfo {
        address client;
        RequestState state;
        uint8 slots;
        uint8 dataSlots;
        uint8 filledSlots;
        bool withdrawn;
        uint16 proofProbability;
        uint64 slotSize;
        uint40 expiry;
        uint40 endsAt;
        uint40 duration;
        uint40 failedAt;
        Period startPeriod;
        uint128 pricePerBytePerSecond;
        uint128 collateralPerByte;
        /// @dev Payment owed to the slots' current hosts up to `endsAt`, in wei.
        uint128 reservedPayment;
        /// @dev Slashed collateral that goes to the client, in wei.
        uint128 clientPool;
    }

    /// @notice A slot's record.
    struct SlotInfo {
        address host;
        SlotState state;
        uint8 missedProofs;
        /// @dev Whether the host repaired the slot (and so locked less collateral).
        bool repaired;
        /// @dev When the host filled it, in unix seconds: payment accrues from there.
        uint40 filledAt;
        /// @dev The period of the fill; proofs are due in later periods.
        Period filledPeriod;
        bytes32 root;
        /// @dev Collateral the host still has locked for the slot, in wei.
        uint256 collateral;
    }

    /// @notice Emitted when a client requests storage; carries everything providers and
    /// the subgraph need.
    event StorageRequested(
        RequestId indexed requestId, address indexed client, Request request, uint40 endsAt, uint256 escrow
    );
    /// @notice Emitted when `provider` fills a slot, locking `collateral`.
    event SlotFilled(SlotId indexed slotId, address indexed provider, uint256 collateral, bool repair);
    /// @notice Emitted when a request's last slot is filled; proofs are due from the
    /// period after `startPeriod`.
    event RequestStarted(RequestId indexed requestId, Period startPeriod);
    /// @notice Emitted for every accepted proof.
    event ProofSubmitted(SlotId indexed slotId, Period period);
    /// @notice Emitted when `validator` marks a slot's missed proof; `slashed` is taken from
    /// the host's collateral and `reward`, part of it, paid to the validator.
    event ProofMissed(
        SlotId indexed slotId, Period period, address indexed validator, uint256 slashed, uint256 reward
    );
    /// @notice Emitted when a slot's host is removed; it forfeits `forfeited` collateral
    /// beyond earlier slashes, and its payment.
    event SlotFreed(SlotId indexed slotId, address indexed provider, uint256 forfeited);
    /// @notice Emitted when a request is found cancelled at its first payout.
    event RequestCancelled(RequestId indexed requestId);
    /// @notice Emitted when too many of a request's slots are free at once.
    event RequestFailed(RequestId indexed requestId);
    /// @notice Emitted when a request is found finished at its first payout.
    event RequestFinished(RequestId indexed requestId);
    /// @notice Emitted when a host collects its payment and its collateral is unlocked.
    event PaymentCollected(SlotId indexed slotId, address indexed provider, uint256 payment, uint256 collateral);
    /// @notice Emitted when a client withdraws a request's remaining funds.
    event FundsWithdrawn(RequestId indexed requestId, address indexed client, uint256 amount);
    /// @notice Emitted when a period's seed is written to storage.
    event SeedRecorded(Period indexed period, bytes32 seed);

    /// @notice A config value is out of bounds; `field` names it.
    error StorageMarketInvalidConfig(bytes32 field);
    /// @notice A request field is out of bounds; `field` names it.
    error StorageMarketInvalidRequest(bytes32 field);
    /// @notice The value sent is not the escrow the request needs.
    error StorageMarketWrongEscrow(uint256 required, uint256 sent);
    /// @notice The client already made a request with this nonce.
    error StorageMarketRequestExists(RequestId requestId);
    /// @notice No request has this id.
    error StorageMarketUnknownRequest(RequestId requestId);
    /// @notice The request has no slot with this index.
    error StorageMarketUnknownSlot(SlotId slotId);
    /// @notice The request takes no fills in its `state`.
    error StorageMarketRequestNotActive(RequestId requestId, RequestState state);
    /// @notice The request is not running, so no proofs are due.
    error StorageMarketRequestNotStarted(RequestId requestId, RequestState state);
    /// @notice The request has not ended yet.
    error StorageMarketRequestNotEnded(RequestId requestId, RequestState state);
    /// @notice The slot is held, or already collected.
    error StorageMarketSlotNotFree(SlotId slotId);
    /// @notice The slot has no host.
    error StorageMarketSlotNotFilled(SlotId slotId);
    /// @notice The slot is designated to another provider, or `slotRoot` is not its root.
    error StorageMarketNotDesignated(SlotId slotId, address provider);
    /// @notice `provider`'s own offer does not accept the request's terms.
    error StorageMarketOfferRejectsTerms(address provider);
    /// @notice The caller does not hold the slot.
    error StorageMarketNotSlotHost(SlotId slotId, address caller);
    /// @notice Only the request's client may do this.
    error StorageMarketNotClient(RequestId requestId, address caller);
    /// @notice A proof names a period other than the current one.
    error StorageMarketWrongPeriod(Period period, Period current);
    /// @notice The period's seed is neither recorded nor readable from its block hash.
    error StorageMarketSeedUnavailable(Period period);
    /// @notice The proof does not show the sampled cells of the slot.
    error StorageMarketInvalidProof(SlotId slotId);
    /// @notice The slot owes no proof in this period.
    error StorageMarketProofNotRequired(SlotId slotId, Period period);
    /// @notice The slot already proved in this period.
    error StorageMarketProofAlreadySubmitted(SlotId slotId, Period period);
    /// @notice The period has not ended, so its proof is not missing yet.
    error StorageMarketPeriodNotEnded(Period period);
    /// @notice The period's marking window has closed.
    error StorageMarketMarkingWindowClosed(Period period);
    /// @notice The slot proved in this period.
    error StorageMarketProofNotMissing(SlotId slotId, Period period);
    /// @notice This miss was already marked.
    error StorageMarketMissAlreadyMarked(SlotId slotId, Period period);
    /// @notice The client already withdrew this request's funds.
    error StorageMarketAlreadyWithdrawn(RequestId requestId);
    /// @notice Only the registry pays the market directly (slashed collateral).
    error StorageMarketUnexpectedPayment(address sender);

    /// @notice Creates a request. `msg.value` must be its escrow, the most it can ever owe
    /// its providers: every slot paid for the whole duration.
    /// @return requestId `RequestIds.derive(msg.sender, request.nonce)`.
    function requestStorage(Request calldata request) external payable returns (RequestId requestId);

    /// @notice Fills a free slot, or repairs a freed one, with a first proof for the current
    /// period. Locks the slot's collateral (less `repairRewardPercentage` for a repair)
    /// from the caller's stake. The last fill starts the request.
    /// @param slotRoot The slot's root: it opens a designated slot's commitment.
    function fillSlot(SlotId slotId, bytes32 slotRoot, Proof calldata proof) external;

    /// @notice Checks the caller's proofs for the current period, one per slot it holds.
    function submitProofs(SlotProof[] calldata proofs) external;

    /// @notice Marks that `slotId` owed a proof in `period` and sent none. Callable by anyone
    /// from the period's end for `markingWindow` blocks. Slashes the host and pays the caller
    /// `validatorRewardPercentage` of the slash at the end of the call; the rest goes to the
    /// client. At `maxMissedProofs` misses, frees the slot.
    function markProofAsMissing(SlotId slotId, Period period) external;

    /// @notice Lets the caller leave a slot it holds in a running request; it forfeits its
    /// remaining collateral and its payment.
    function freeSlot(SlotId slotId) external;

    /// @notice Pays the caller, the slot's host, its payment, and unlocks its collateral,
    /// once the request has finished, failed or been cancelled.
    function collect(SlotId slotId) external;

    /// @notice Pays the client what its ended request did not spend, plus slashed collateral.
    function withdraw(RequestId requestId) external;

    /// @notice Writes `period`'s seed to storage while its block hash is readable, so that
    /// it stays known. Proof submissions do this too. Idempotent.
    function recordSeed(Period period) external returns (bytes32 seed);

    /// @notice The market's fixed parameters.
    function config() external view returns (MarketConfig memory);

    /// @notice The registry whose providers fill slots.
    function registry() external view returns (address);

    /// @notice The request's record (state as of now).
    function requestInfo(RequestId requestId) external view returns (RequestInfo memory);

    /// @notice The slot's record.
    function slotInfo(SlotId slotId) external view returns (SlotInfo memory);

    /// @notice The period of the current block.
    function currentPeriod() external view returns (Period);

    /// @notice `period`'s seed: recorded, or read from its block hash; zero if neither.
    function seedOf(Period period) external view returns (bytes32);

    /// @notice Whether `slotId`'s host owes a proof in `period` (reverts when the seed is
    /// unavailable). False for slots without a host or requests not running.
    function isProofRequired(SlotId slotId, Period period) external view returns (bool);

    /// @notice The escrow `requestStorage` needs for these terms, in wei.
    function requiredEscrow(uint256 slots, uint256 slotSize, uint256 pricePerBytePerSecond, uint256 duration)
        external
        pure
        returns (uint256);

    /// @notice What `collect` would pay the slot's host now: payment and collateral, zero
    /// until the request has ended.
    function collectable(SlotId slotId) external view returns (uint256 payment, uint256 collateral);

    /// @notice What `withdraw` would pay the client now: zero until the request has ended.
    function withdrawable(RequestId requestId) external view returns (uint256);

}
