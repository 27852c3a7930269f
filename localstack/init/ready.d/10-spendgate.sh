#!/bin/bash
# Creates what the Spendgate gateway needs, as infra-cdk does in AWS: the three DynamoDB tables (string partition
# key "pk", on demand; TTL on the budgets table's expires_at; the spool's queue index and the budgets table's reservation index), the data bucket, the
# provider-key secret (an empty JSON object: put real keys in with put-secret-value), the alert topic, the report
# sender's SES identity and the usage stream (Firehose Direct PUT, gzip, into the bucket under usage-firehose/:
# LocalStack does not evaluate the stack's dynamic partitioning, so its objects stay outside the usage/v1/ layout).
# Runs on every LocalStack start (ready.d) and skips what already exists.
set -euo pipefail
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

table() {
  if ! awslocal dynamodb describe-table --table-name "$1" >/dev/null 2>&1; then
    awslocal dynamodb create-table --table-name "$1" \
      --attribute-definitions AttributeName=pk,AttributeType=S \
      --key-schema AttributeName=pk,KeyType=HASH \
      --billing-mode PAY_PER_REQUEST >/dev/null
  fi
  awslocal dynamodb wait table-exists --table-name "$1"
}

table spendgate-keys
if ! awslocal dynamodb describe-table --table-name spendgate-usage-spool >/dev/null 2>&1; then
  # the spool lists its batches oldest first in a keys-only index (DynamoDbTables.SpoolTable.QUEUE_INDEX)
  awslocal dynamodb create-table --table-name spendgate-usage-spool \
    --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=queue,AttributeType=S \
      AttributeName=spilled_at,AttributeType=N \
    --key-schema AttributeName=pk,KeyType=HASH \
    --global-secondary-indexes \
    'IndexName=queue-by-spill-time,KeySchema=[{AttributeName=queue,KeyType=HASH},{AttributeName=spilled_at,KeyType=RANGE}],Projection={ProjectionType=KEYS_ONLY}' \
    --billing-mode PAY_PER_REQUEST >/dev/null
fi
table spendgate-usage-spool
if ! awslocal dynamodb describe-table --table-name spendgate-budgets >/dev/null 2>&1; then
  # the sweeper finds expired reservations in a keys-only index (DynamoDbTables.BudgetsTable.RESERVATIONS_BY_EXPIRY)
  awslocal dynamodb create-table --table-name spendgate-budgets \
    --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=resv_shard,AttributeType=S \
      AttributeName=expires_at_ms,AttributeType=N \
    --key-schema AttributeName=pk,KeyType=HASH \
    --global-secondary-indexes \
    'IndexName=reservations-by-expiry,KeySchema=[{AttributeName=resv_shard,KeyType=HASH},{AttributeName=expires_at_ms,KeyType=RANGE}],Projection={ProjectionType=KEYS_ONLY}' \
    --billing-mode PAY_PER_REQUEST >/dev/null
fi
table spendgate-budgets
awslocal dynamodb update-time-to-live --table-name spendgate-budgets \
  --time-to-live-specification Enabled=true,AttributeName=expires_at >/dev/null 2>&1 || true

awslocal s3api head-bucket --bucket spendgate-data >/dev/null 2>&1 || awslocal s3 mb s3://spendgate-data >/dev/null

awslocal secretsmanager describe-secret --secret-id spendgate/provider-keys >/dev/null 2>&1 \
  || awslocal secretsmanager create-secret --name spendgate/provider-keys --secret-string '{}' >/dev/null

awslocal sns create-topic --name spendgate-alerts >/dev/null
awslocal ses verify-email-identity --email-address "${SPENDGATE_SENDER_ADDRESS:-reports@example.com}" >/dev/null

if ! awslocal firehose describe-delivery-stream --delivery-stream-name spendgate-usage >/dev/null 2>&1; then
  awslocal firehose create-delivery-stream --delivery-stream-name spendgate-usage \
    --delivery-stream-type DirectPut \
    --extended-s3-destination-configuration \
    'BucketARN=arn:aws:s3:::spendgate-data,RoleARN=arn:aws:iam::000000000000:role/spendgate-usage-delivery,Prefix=usage-firehose/,CompressionFormat=GZIP,BufferingHints={IntervalInSeconds=60,SizeInMBs=1}' \
    >/dev/null
fi

echo "spendgate: LocalStack resources ready"
